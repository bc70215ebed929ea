// Loaded with `node --require` before the SDK's own test: points the axios
// instance that @pulumi/esc-sdk uses at the local server (the SDK's EscApi
// drops the port from its base URL; axios keeps a baseURL whole), with no
// proxy. See shared/reference/esc-rest.md §10.
"use strict";
const path = require("path");
// Resolved from the npm install the suite runs in (the current directory).
const sdkMain = require.resolve("@pulumi/esc-sdk", { paths: [process.cwd()] });
const axiosPath = require.resolve("axios", { paths: [path.dirname(sdkMain)] });
const axios = require(axiosPath);
const base = process.env.ESC_SDK_SUITE_BASE_URL;
if (!base) throw new Error("ESC_SDK_SUITE_BASE_URL is not set");
(axios.default || axios).defaults.baseURL = base;
(axios.default || axios).defaults.proxy = false;
