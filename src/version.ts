/** The version of `daq`, as `daq --version` prints it and files record it. */
export const VERSION = "0.1.0";
