// Copies the charting library from node_modules into vendor/ (committed), so that building
// vlmlab needs no npm. Run after changing the uplot version in package.json:
//   npm install && npm run vendor
import {copyFileSync, mkdirSync, readFileSync} from 'node:fs';

const pkg = JSON.parse(readFileSync('node_modules/uplot/package.json', 'utf8'));
mkdirSync('vendor', {recursive: true});
copyFileSync('node_modules/uplot/dist/uPlot.iife.min.js', 'vendor/uPlot.iife.min.js');
copyFileSync('node_modules/uplot/dist/uPlot.min.css', 'vendor/uPlot.min.css');
copyFileSync('node_modules/uplot/LICENSE', 'vendor/uPlot.LICENSE');
console.log(`vendored uplot ${pkg.version} into vendor/`);
