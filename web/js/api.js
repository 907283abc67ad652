// The dashboard's JSON API client (docs/dashboard.md lists the routes). Errors carry the
// server's message. Long run lists are fetched in batches to keep URLs short.
import {query} from './dom.js';

export class ApiError extends Error {}

export async function getJson(path, params = {}) {
  const response = await fetch(`/api/${path}${query(params)}`, {credentials: 'same-origin'});
  let body = null;
  try {
    body = await response.json();
  } catch (e) {
    throw new ApiError(`${path}: HTTP ${response.status} without a JSON body`);
  }
  if (!response.ok) {
    throw new ApiError(body && body.error ? body.error : `${path}: HTTP ${response.status}`);
  }
  return body;
}

const BATCH = 40;

// Calls `path` with runs=... in batches and concatenates the arrays under `key`.
export async function getForRuns(path, runIds, key, params = {}) {
  const out = [];
  for (let i = 0; i < runIds.length; i += BATCH) {
    const body = await getJson(path, {...params, runs: runIds.slice(i, i + BATCH)});
    out.push(...body[key]);
  }
  return out;
}

// /api/fields for the given runs (all runs when `runIds` is null): {runId: {path: value}}.
export async function getFields(runIds) {
  if (runIds === null) return (await getJson('fields')).fields;
  const fields = {};
  for (let i = 0; i < runIds.length; i += BATCH) {
    const body = await getJson('fields', {runs: runIds.slice(i, i + BATCH)});
    Object.assign(fields, body.fields);
  }
  return fields;
}
