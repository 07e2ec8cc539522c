import { Inject } from '@nestjs/common';
import { Option, SubCommand } from 'nest-commander';
import { AuditSinksService } from '../../audit-stream/audit-sinks.service';
import type { AuditSinkResource } from '../../audit-stream/resources/audit-sink.resource';
import { CodedError } from '../../common/coded-error';
import { Database, DATABASE, sql } from '../../database/database';
import { CliCommand, CommandGroup, ExitCode, given, invalidValue } from '../cli-command';
import { operator } from '../operator';
import { print } from '../output';

type Acting = Parameters<AuditSinksService['resume']>[0];

/** What an operator's sink command prints: one line, or with `--json` the sink as the API shows it. */
function show(sink: AuditSinkResource & { secret?: string | null }, json: boolean | undefined): void {
  if (json) return print(JSON.stringify(sink));
  const where = sink.url ?? sink.subject ?? sink.path ?? 'stdout';
  const error = sink.last_error === null ? '' : `  last_error=${JSON.stringify(sink.last_error)}`;
  print(`${sink.id}  ${sink.sink_type} ${where}  ${sink.state}  position=${sink.position} lag=${sink.lag} (${sink.lag_seconds}s)  failures=${sink.failures}${error}`);
  if (sink.secret) print(`Signing secret (shown only now, give it to the receiver): ${sink.secret}`);
}

/**
 * An operator's action on audit sinks, recorded (in the service log) as the
 * operator's (`cli_actor`). A refusal (no such sink, a bad setting) is
 * printed, exit 1.
 */
abstract class SinkAction<Options extends { json?: true }> extends CliCommand<Options> {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    protected readonly sinks: AuditSinksService,
  ) {
    super();
  }

  protected abstract act(params: string[], options: Options): Promise<void>;

  protected async execute(params: string[], options: Options): Promise<ExitCode> {
    try {
      await this.act(params, options);
      return 0;
    } catch (error) {
      if (!(error instanceof CodedError)) throw error;
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
  }

  protected async organization(name: string): Promise<string> {
    const rows = await this.db.query<{ id: string }>(sql`SELECT id FROM organizations WHERE name = ${name}`);
    if (!rows.length) throw new CodedError('organization_not_found', `No organization named ${JSON.stringify(name)}`);
    return rows[0].id;
  }

  protected async actingOn(sinkId: string): Promise<Acting> {
    return { organizationId: await this.sinks.organizationOf(sinkId), actor: operator(), requestId: null };
  }

  @Option({ flags: '--json', description: 'print the sink as one JSON object' })
  parseJson(): true {
    return true;
  }
}

const SINK_ARGUMENT = { sink_id: 'the sink (sink_...)' };
const positive = (name: string) => (value: string) => {
  if (!/^\d{1,4}$/.test(value)) throw invalidValue(`${name} must be a whole number`);
  return Number(value);
};

interface CreateOptions {
  org: string;
  type: string;
  url?: string;
  subject?: string;
  path?: string;
  batchSize?: number;
  maxFailures?: number;
  json?: true;
}

@SubCommand({ name: 'create', description: "stream an organization's audit history to a sink; prints a webhook's signing secret once" })
export class CreateAuditSinkCommand extends SinkAction<CreateOptions> {
  protected async act(_: string[], options: CreateOptions): Promise<void> {
    if (options.org === undefined || options.type === undefined) this.usageError('--org and --type are required');
    const acting = { organizationId: await this.organization(options.org), actor: operator(), requestId: null };
    const input = { type: options.type, url: options.url, subject: options.subject, path: options.path, batch_size: options.batchSize, max_failures: options.maxFailures };
    const { sink, secret } = await this.sinks.create(acting, input);
    show({ ...sink, secret }, options.json);
  }

  @Option({ flags: '--org <name>', description: 'the organization whose history to stream' })
  parseOrg(value: string): string {
    return given(value);
  }

  @Option({ flags: '--type <type>', description: 'webhook, nats, file or stdout' })
  parseType(value: string): string {
    return given(value);
  }

  @Option({ flags: '--url <url>', description: "a webhook sink's URL" })
  parseUrl(value: string): string {
    return given(value);
  }

  @Option({ flags: '--subject <subject>', description: "a nats sink's JetStream subject" })
  parseSubject(value: string): string {
    return given(value);
  }

  @Option({ flags: '--path <file>', description: "a file sink's file name in SANDBASE_AUDIT_STREAM_FILE_DIR" })
  parsePath(value: string): string {
    return given(value);
  }

  @Option({ flags: '--batch-size <n>', description: 'records per delivery at most (default 100)' })
  parseBatchSize(value: string): number {
    return positive('--batch-size')(value);
  }

  @Option({ flags: '--max-failures <n>', description: 'consecutive failures before the sink is paused (default 10)' })
  parseMaxFailures(value: string): number {
    return positive('--max-failures')(value);
  }
}

@SubCommand({ name: 'list', description: "an organization's audit sinks: position, lag, state, last error" })
export class ListAuditSinksCommand extends SinkAction<{ org: string; json?: true }> {
  protected async act(_: string[], { org, json }: { org: string; json?: true }): Promise<void> {
    if (org === undefined) this.usageError('--org is required');
    const sinks = await this.sinks.list(await this.organization(org));
    if (!json && sinks.length === 0) print('No audit sinks.');
    for (const sink of sinks) show(sink, json);
  }

  @Option({ flags: '--org <name>', description: 'the organization' })
  parseOrg(value: string): string {
    return given(value);
  }
}

@SubCommand({ name: 'resume', arguments: '<sink_id>', argsDescription: SINK_ARGUMENT, description: 'deliver again after a pause, from the sink\'s position on' })
export class ResumeAuditSinkCommand extends SinkAction<{ json?: true }> {
  protected async act([sinkId]: string[], { json }: { json?: true }): Promise<void> {
    show(await this.sinks.resume(await this.actingOn(sinkId), sinkId), json);
  }
}

@SubCommand({ name: 'replay', arguments: '<sink_id>', argsDescription: SINK_ARGUMENT, description: 'deliver again from an event or version id, or an RFC 3339 time, on' })
export class ReplayAuditSinkCommand extends SinkAction<{ from: string; json?: true }> {
  protected async act([sinkId]: string[], { from, json }: { from: string; json?: true }): Promise<void> {
    if (from === undefined) this.usageError('--from is required');
    show(await this.sinks.replay(await this.actingOn(sinkId), sinkId, from), json);
  }

  @Option({ flags: '--from <id-or-time>', description: 'an event id, a version id (envver_...) or an RFC 3339 time' })
  parseFrom(value: string): string {
    return given(value);
  }
}

@SubCommand({ name: 'delete', arguments: '<sink_id>', argsDescription: SINK_ARGUMENT, description: 'stop streaming to the sink and forget it' })
export class DeleteAuditSinkCommand extends SinkAction<{ json?: true }> {
  protected async act([sinkId]: string[]): Promise<void> {
    await this.sinks.delete(await this.actingOn(sinkId), sinkId);
    print(`Deleted audit sink ${sinkId}.`);
  }
}

@SubCommand({
  name: 'sinks',
  description: "manage the organizations' audit sinks (the audit stream to a SIEM)",
  subCommands: [CreateAuditSinkCommand, ListAuditSinksCommand, ResumeAuditSinkCommand, ReplayAuditSinkCommand, DeleteAuditSinkCommand],
})
export class AuditSinksCommand extends CommandGroup {}
