// @tickline/venues: one folder per venue, a shared live-feed base, recording files.
export * from './feed';
export * from './binance';
export {
  RecordingWriter,
  parseRecordingLine,
  readRecording,
  type ReadRecordingOptions,
  type RecordedFrame,
} from './recording/recordingFile';
export { VenueError, type VenueErrorCode } from './venueError';
