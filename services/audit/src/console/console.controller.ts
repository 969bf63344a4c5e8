import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Logger,
  NotFoundException,
  Param,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ConsoleAssets } from './console.assets';
import { parseExportForm } from './console-export.form';
import { setConsoleHeaders } from './console.headers';
import { filterToQuery } from './web/console.filters';

/**
 * The auditor console: a page and its two files, public (they hold no data), and the export download. Every
 * piece of data the page shows comes from the auditor API with the auditor's own token.
 */
@ApiExcludeController()
@Controller('console')
export class ConsoleController {
  private readonly logger = new Logger(ConsoleController.name);

  constructor(private readonly assets: ConsoleAssets) {}

  @Get()
  async page(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.send('index.html', request, reply);
  }

  @Get('assets/:name')
  async file(
    @Param('name') name: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (name !== 'console.js' && name !== 'console.css') throw new NotFoundException();
    await this.send(name, request, reply);
  }

  /**
   * A browser saves a download itself, streamed to disk, only from a navigation, and a navigation cannot carry
   * an Authorization header. So the page posts the token in a form body (never in a URL) and this route asks the
   * auditor API's export on the same socket address with that token: the API's own guard, validation, audit
   * record and streaming apply unchanged.
   */
  @Post('export')
  async export(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    let form;
    try {
      form = parseExportForm(body);
    } catch (err) {
      throw new BadRequestException((err as Error).message);
    }
    const query = filterToQuery(form.filter);
    query.set('format', form.format);
    const { localAddress, localPort } = request.socket;
    const host = localAddress?.includes(':') ? `[${localAddress}]` : (localAddress ?? '127.0.0.1');
    const upstream = await fetch(`http://${host}:${localPort}/v1/audit/export?${query.toString()}`, {
      headers: { authorization: `Bearer ${form.token}`, accept: '*/*' },
    });
    setConsoleHeaders(reply);
    void reply.header('cache-control', 'no-store');
    if (upstream.status !== 200 || !upstream.body) {
      const text = await upstream.text();
      void reply.status(upstream.status).type('text/plain; charset=utf-8').send(text);
      return;
    }
    for (const name of ['content-type', 'content-disposition']) {
      const value = upstream.headers.get(name);
      if (value) void reply.header(name, value);
    }
    const stream = Readable.fromWeb(upstream.body as WebReadableStream<Uint8Array>);
    stream.on('error', (err) => this.logger.warn({ msg: 'console export interrupted', err: err.message }));
    await reply.send(stream);
  }

  private async send(name: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const asset = await this.assets.get(name);
    if (!asset) throw new NotFoundException();
    setConsoleHeaders(reply);
    void reply.header('etag', asset.etag).header('cache-control', 'no-cache');
    if (request.headers['if-none-match'] === asset.etag) {
      await reply.status(304).send();
      return;
    }
    await reply.type(asset.type).send(asset.body);
  }
}
