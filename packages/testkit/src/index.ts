export { createTestDatabase, type TestDatabase } from './database';
export { createTopics, testBrokers, testRedisUrl } from './kafka';
export { uniqueName } from './names';
export { type WaitForOptions, waitFor } from './wait-for';
