import { Module } from '@nestjs/common';
import { ConsoleController } from './console.controller';

/** Serves the audit console at /console. */
@Module({ controllers: [ConsoleController] })
export class ConsoleModule {}
