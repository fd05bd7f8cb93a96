import fs from 'node:fs';
import path from 'node:path';
import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../auth/auth.guard';
import { ApiError } from '../http/api-error';
import { buildOpenApiDocument } from './openapi-document';

// Served from node_modules under the app's CSP ('self' scripts): no CDN, no inline script.
const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const ASSETS: Record<string, string> = {
  'swagger-ui.css': path.join(SWAGGER_UI_DIR, 'swagger-ui.css'),
  'swagger-ui-bundle.js': path.join(SWAGGER_UI_DIR, 'swagger-ui-bundle.js'),
};

// Starts Swagger UI on /api/docs-json; a file, not an inline script, so the CSP stays 'self'.
// validatorUrl null: never send the document to the public validator service.
const INIT_JS = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({ url: '/api/docs-json', dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null });
});
`;

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>vidpipe API</title><link rel="stylesheet" href="/api/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/docs-init.js"></script>
</body>
</html>
`;

/**
 * The API document, public: it shows shapes and routes, never data or a secret, and people
 * need it before they can sign in. Built once per process from the validating schemas.
 */
@Public()
@Controller('api')
export class DocsController {
  private document: Record<string, unknown> | null = null;

  @Get('docs-json')
  json(): Record<string, unknown> {
    this.document ??= buildOpenApiDocument(appVersion());
    return this.document;
  }

  @Get('docs')
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(): string {
    return PAGE;
  }

  @Get('docs/:asset')
  asset(@Param('asset') asset: string, @Res() res: Response): void {
    if (asset === 'docs-init.js') {
      res.type('text/javascript').send(INIT_JS);
      return;
    }
    const file = Object.hasOwn(ASSETS, asset) ? ASSETS[asset] : null;
    if (!file) throw new ApiError(404, 'not_found', 'There is no such file.');
    res.sendFile(file, { maxAge: '1h' });
  }
}

function appVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
