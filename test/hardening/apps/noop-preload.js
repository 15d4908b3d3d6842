'use strict';
// A preload that does nothing, for sensitivity.test.ts: preloading as such changes nothing the
// differential comparison looks at.
