// Local-filesystem adapters. One adapter per file; each helper adds its export line here.
export {};
