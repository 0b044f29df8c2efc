export const placeholder = 'bus';
