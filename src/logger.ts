import { ConsoleLogger } from '@nestjs/common';

// Nest's boot chatter (every module and route) buries what a person needs: the address and login.
const QUIET_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'WebSocketsController', 'NestFactory', 'NestApplication']);

export class VidpipeLogger extends ConsoleLogger {
  log(message: unknown, context?: string): void {
    if (context && QUIET_CONTEXTS.has(context)) return;
    super.log(message, context);
  }
}
