// Pieces every mock venue shares: the HTTP listener, the replay loop, count-based faults.
export { closeHttp, endUpgrade, listenHttp, portOf } from './mockHttp';
export { replayFrames, type ReplayOptions, type ReplayTarget } from './mockReplay';
export {
  applyCountFaults,
  dropConnection,
  isStalled,
  seededRandom,
  type CountFaults,
  type CountedConnection,
} from './countFaults';
export { MsgpackTimestamp, decodeMsgpack, encodeMsgpack } from './msgpack';
export { MockVenueServer } from './mockVenueServer';
export { encodeTextFrames } from './wsFrames';
