export const placeholder = 'runtime';
