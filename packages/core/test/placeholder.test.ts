import { placeholder } from '@tickline/core';
test('workspace resolves', () => expect(placeholder).toBe('core'));
