import { HotsyncError } from '@hotsync/core';

export type AdapterErrorCode =
  | 'adapter.vote-refused'
  | 'adapter.invalid-option'
  | 'adapter.delivery'
  | 'adapter.sync-failed'
  | 'adapter.closed';

export class AdapterError extends HotsyncError<AdapterErrorCode> {}
