import { z } from 'zod';
import { describeInput } from './numberSchemas';

export const ASSET_CLASSES = ['crypto', 'equity', 'etf', 'index', 'fx', 'future', 'unknown'] as const;

export const AssetClassSchema = z.enum(ASSET_CLASSES, {
  error: (issue) =>
    `assetClass must be one of ${ASSET_CLASSES.join(', ')}, got ${describeInput(issue.input)}`,
});
export type AssetClass = z.infer<typeof AssetClassSchema>;
