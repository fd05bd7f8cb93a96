import type { ModulesContainer } from '@nestjs/core';
import { Queue, Worker } from 'bullmq';

/**
 * Every BullMQ queue this process registered (the pipeline's, webhooks, retention, subscriptions…),
 * found among the providers: a feature that adds a queue is watched and exported without a list
 * to keep in step. Call once the application is bootstrapped (instances exist then).
 */
export function registeredQueues(container: ModulesContainer): Queue[] {
  const byName = new Map<string, Queue>();
  for (const module of container.values()) {
    for (const wrapper of module.providers.values()) {
      const instance: unknown = wrapper.instance;
      if (instance instanceof Queue && !byName.has(instance.name)) byName.set(instance.name, instance);
    }
  }
  return [...byName.values()];
}

/** Every BullMQ worker of this process: each processor (a WorkerHost) holds its own. */
export function registeredWorkers(container: ModulesContainer): Worker[] {
  const found: Worker[] = [];
  for (const module of container.values()) {
    for (const wrapper of module.providers.values()) {
      const worker: unknown = (wrapper.instance as { worker?: unknown } | null)?.worker;
      if (worker instanceof Worker && !found.includes(worker)) found.push(worker);
    }
  }
  return found;
}
