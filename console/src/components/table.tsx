import type { ComponentChildren } from 'preact';

/** A data table: column headers, a caption for screen readers, and horizontal scrolling when it cannot fit. */
export function DataTable(props: { caption: string; columns: string[]; class?: string; id?: string; testId?: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap" id={props.id}>
      <table class={props.class} data-testid={props.testId}>
        <caption class="visually-hidden">{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((column) => (
              <th scope="col" key={column}>
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}
