export * from "./codec.ts";
export * from "./errors.ts";
export * from "./json.ts";
export * from "./reader.ts";
export * from "./writer.ts";
export * from "./primitives.ts";
export * from "./composites.ts";
export * from "./encode.ts";
