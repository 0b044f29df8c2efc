export * from './keys';
export * from './codec';
export * from './streamId';
