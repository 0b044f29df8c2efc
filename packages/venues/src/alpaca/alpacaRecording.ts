import { readRecording, type RecordedFrame } from '../recording/recordingFile';
import type { VenueError } from '../venueError';
import { alpacaFrameTime } from './alpacaFrames';

/**
 * An Alpaca recording in either format (Tickline's `{"t":..,"venue":"alpaca","frame":".."}` lines,
 * or bare frames timed by their first item's `t`), gzip or plain.
 */
export function readAlpacaRecording(
  path: string,
  onBadLine?: (error: VenueError) => void,
): AsyncGenerator<RecordedFrame> {
  return readRecording(path, {
    venue: 'alpaca',
    timeOf: alpacaFrameTime,
    ...(onBadLine ? { onBadLine } : {}),
  });
}
