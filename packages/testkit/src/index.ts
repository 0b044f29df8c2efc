export const placeholder = 'testkit';
