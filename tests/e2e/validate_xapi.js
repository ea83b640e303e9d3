// Validates xAPI statements with @learninglocker/xapi-validation (the npm package Learning Locker's
// LRS uses). Reads a JSON array of statements on stdin, prints a JSON array of
// {index, path, warning} (empty when every statement is valid).
'use strict';
const validate = require('@learninglocker/xapi-validation').default;
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const problems = [];
  JSON.parse(input).forEach((statement, index) => {
    validate(statement).forEach((w) => {
      problems.push({index, path: (w.path || []).join('.'), warning: w.constructor.name + (w.message ? ': ' + w.message : '')});
    });
  });
  process.stdout.write(JSON.stringify(problems));
});
