import { after, describe, it } from 'node:test';
import { RuleTester as TypedRuleTester } from '@typescript-eslint/rule-tester';
import { RuleTester } from 'eslint';

// Both rule testers report through node:test (they default to mocha's globals).
RuleTester.describe = describe;
RuleTester.it = it;
TypedRuleTester.afterAll = after;
TypedRuleTester.describe = describe;
TypedRuleTester.it = it;
TypedRuleTester.itOnly = it.only;

export { RuleTester, TypedRuleTester };
