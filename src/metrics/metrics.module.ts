import { DynamicModule, Inject, Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { CommandBus } from '@nestjs/cqrs';
import type { Server } from 'node:http';
import { ApiError } from '../common/api-error';
import { CodedError } from '../common/coded-error';
import type { MetricsConfig } from '../config/config';
import { inSpan } from '../telemetry/spans';
import { startMetricsListener } from './metrics-endpoint';
import { ServiceMetrics } from './service-metrics';

const METRICS_CONFIG = Symbol('MetricsConfig');

/** A command's outcome as a label: ok, the domain's error code (a fixed set), or error. */
export function commandOutcome(error: unknown): string {
  if (error instanceof CodedError) return String(error.code);
  if (error instanceof ApiError) return error.code ?? error.type;
  return 'error';
}

/**
 * Every command sent through the command bus (HTTP and CLI alike) is counted
 * by type and outcome and runs in a `command <Type>` span: the bus's
 * `execute` is wrapped once, at start-up.
 */
@Injectable()
class CommandTelemetry implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private listener: Server | null = null;

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly metrics: ServiceMetrics,
    @Inject(METRICS_CONFIG) private readonly config: MetricsConfig,
  ) {}

  onModuleInit(): void {
    const bus = this.moduleRef.get(CommandBus, { strict: false });
    const execute = bus.execute.bind(bus) as (command: object, ...rest: unknown[]) => Promise<unknown>;
    const metrics = this.metrics;
    bus.execute = function (command: object, ...rest: unknown[]): Promise<unknown> {
      const type = command.constructor.name;
      return inSpan(`command ${type}`, { 'sandbase.command': type }, () => execute(command, ...rest)).then(
        (result) => {
          metrics.recordCommand(type, 'ok');
          return result;
        },
        (error: unknown) => {
          metrics.recordCommand(type, commandOutcome(error));
          throw error;
        },
      );
    } as CommandBus['execute'];
  }

  async onApplicationBootstrap(): Promise<void> {
    this.listener = await startMetricsListener(this.metrics, this.config);
  }

  async onApplicationShutdown(): Promise<void> {
    this.metrics.close();
    const listener = this.listener;
    this.listener = null;
    if (listener) await new Promise((resolve) => listener.close(resolve));
  }
}

/** The application's metrics (see ServiceMetrics): the registry, the command counters and the METRICS_PORT listener. */
@Module({})
export class MetricsModule {
  static forRoot(metrics: ServiceMetrics, config: MetricsConfig): DynamicModule {
    return {
      module: MetricsModule,
      providers: [{ provide: ServiceMetrics, useValue: metrics }, { provide: METRICS_CONFIG, useValue: config }, CommandTelemetry],
      exports: [ServiceMetrics],
    };
  }
}
