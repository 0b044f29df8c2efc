// @tickline/venues: one folder per venue, a shared live-feed base, recording files.
export * from './feed';
export * from './binance';
export * from './alpaca';
export {
  RecordingWriter,
  parseRecordingLine,
  readRecording,
  type ReadRecordingOptions,
  type RecordedFrame,
} from './recording/recordingFile';
export type { RawStream, RawStreamHandlers } from './recording/rawStream';
export { VenueError, type VenueErrorCode } from './venueError';
export { seededRandom } from './mock/countFaults';
