// Integration tests wait on real brokers, consumer-group joins and queues.
jest.setTimeout(120_000);
