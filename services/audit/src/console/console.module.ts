import { Module } from '@nestjs/common';
import { ConsoleAssets } from './console.assets';
import { ConsoleController } from './console.controller';

/** The auditor console (docs/audit.md, "Auditor console"): a browser page over the auditor API. */
@Module({ controllers: [ConsoleController], providers: [ConsoleAssets] })
export class ConsoleModule {}
