import { readRecording, type RecordedFrame } from '../recording/recordingFile';
import type { VenueError } from '../venueError';
import { binanceFrameTime } from './mockFrames';

/**
 * A Binance recording in either format (Tickline's `{t, venue, frame}` lines, or bare frames as in
 * the bundled sessions, timed by their event time `E`), gzip or plain.
 */
export function readBinanceRecording(
  path: string,
  onBadLine?: (error: VenueError) => void,
): AsyncGenerator<RecordedFrame> {
  return readRecording(path, {
    venue: 'binance',
    timeOf: binanceFrameTime,
    ...(onBadLine ? { onBadLine } : {}),
  });
}
