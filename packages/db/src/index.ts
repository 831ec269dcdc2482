export { dropDatabase, ensureDatabase } from './ensure-database';
export { listMigrations, MIGRATIONS_DIR, migrate } from './migrate';
