import type { Environment } from '../api/types';
import { DataTable } from './table';

const MANAGERS = ['apt', 'cargo', 'gem', 'go', 'npm', 'pip'] as const;

function Flag({ on }: { on: boolean }) {
  return <span class={on ? 'flag flag-on' : 'flag flag-off'}>{on ? 'allowed' : 'not allowed'}</span>;
}

/** An environment's configuration, readable: networking, packages per manager, metadata. */
export function ConfigView({ environment }: { environment: Environment }) {
  const config = environment.config;
  const metadata = Object.entries(environment.metadata).sort(([a], [b]) => a.localeCompare(b));
  return (
    <section data-testid="env-config" aria-labelledby="config-title" class="config">
      <h2 id="config-title">Configuration</h2>
      <dl class="facts">
        <dt>Type</dt>
        <dd>{config.type === 'cloud' ? 'Cloud' : 'Self-hosted'}</dd>
        <dt>Description</dt>
        <dd>{environment.description ?? <span class="muted">(none)</span>}</dd>
      </dl>
      <div class="config-grid">
        <section data-testid="env-networking" aria-labelledby="networking-title">
          <h3 id="networking-title">Networking</h3>
          {config.type !== 'cloud' ? (
            <p class="muted">Self-hosted: the environment's own network.</p>
          ) : config.networking.type === 'unrestricted' ? (
            <p>Unrestricted: any host may be reached.</p>
          ) : (
            <>
              <p>Limited to the allowed hosts.</p>
              <dl class="facts">
                <dt>MCP servers</dt>
                <dd>
                  <Flag on={config.networking.allow_mcp_servers} />
                </dd>
                <dt>Package managers</dt>
                <dd>
                  <Flag on={config.networking.allow_package_managers} />
                </dd>
                <dt>Allowed hosts</dt>
                <dd>
                  {config.networking.allowed_hosts.length === 0 ? (
                    <span class="muted">none</span>
                  ) : (
                    <ul class="plain">
                      {config.networking.allowed_hosts.map((host) => (
                        <li key={host}>
                          <code>{host}</code>
                        </li>
                      ))}
                    </ul>
                  )}
                </dd>
              </dl>
            </>
          )}
        </section>
        <section data-testid="env-packages" aria-labelledby="packages-title">
          <h3 id="packages-title">Packages</h3>
          {config.type !== 'cloud' ? (
            <p class="muted">Self-hosted: none configured here.</p>
          ) : MANAGERS.every((m) => config.packages[m].length === 0) ? (
            <p class="muted">No packages.</p>
          ) : (
            <dl class="facts">
              {MANAGERS.filter((m) => config.packages[m].length > 0).map((manager) => (
                <div key={manager} class="fact">
                  <dt>{manager}</dt>
                  <dd>
                    <ul class="plain">
                      {config.packages[manager].map((name) => (
                        <li key={name}>
                          <code>{name}</code>
                        </li>
                      ))}
                    </ul>
                  </dd>
                </div>
              ))}
            </dl>
          )}
        </section>
      </div>
      <section data-testid="env-metadata" aria-labelledby="metadata-title">
        <h3 id="metadata-title">Metadata</h3>
        {metadata.length === 0 ? (
          <p class="muted">No metadata.</p>
        ) : (
          <DataTable class="metadata" caption="Metadata" columns={['Key', 'Value']}>
            {metadata.map(([key, value]) => (
              <tr key={key}>
                <th scope="row">
                  <code>{key}</code>
                </th>
                <td>{value}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </section>
    </section>
  );
}
