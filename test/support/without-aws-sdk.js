// Preloaded with `node -r`: the process resolves no AWS SDK package, as in a Python, Java or Go
// project that runs the CLI through npx without them.
const Module = require('module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (/^@aws-sdk\//.test(request) || /^@smithy\/signature-v4/.test(request)) {
    throw Object.assign(new Error(`Cannot find module '${request}'`), { code: 'MODULE_NOT_FOUND' });
  }
  return resolve.call(this, request, ...rest);
};
