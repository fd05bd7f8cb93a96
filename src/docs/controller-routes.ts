// The routes Nest maps, read from the controllers' own decorator metadata (what RouterExplorer reads).
import type { Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';

export interface MappedRoute {
  method: string;
  /** OpenAPI style: `:id` and `*file` become `{id}` and `{file}`. */
  path: string;
  controller: string;
}

const join = (...parts: string[]) => '/' + parts.flatMap((p) => p.split('/')).filter(Boolean).join('/');
const openApiPath = (p: string) => p.replace(/[:*](\w+)/g, '{$1}');

/** Every handler of every controller of `module` (its `@Module({ controllers })`). */
export function controllerRoutes(module: Type): MappedRoute[] {
  const controllers: Type[] = Reflect.getMetadata('controllers', module) ?? [];
  return controllers.flatMap((controller) => {
    const base = [Reflect.getMetadata(PATH_METADATA, controller) ?? ''].flat() as string[];
    const proto = controller.prototype as Record<string, unknown>;
    return Object.getOwnPropertyNames(proto).flatMap((name) => {
      const handler = proto[name];
      if (name === 'constructor' || typeof handler !== 'function') return [];
      const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (paths === undefined || method === undefined) return [];
      return base.flatMap((b) => [paths].flat().map((p) => ({ method: RequestMethod[method].toLowerCase(), path: openApiPath(join(b, p)), controller: controller.name })));
    });
  });
}
