/** Moving an installation between databases: the format (export-format.ts), export-data.ts and import-data.ts. */
export { EXPORT_FORMAT, ImportError } from './export-format';
export { exportData } from './export-data';
export { importData } from './import-data';
export type { ImportReport } from './import-data';
