export * from "./key.js";
export * from "./resource.js";
export * from "./diagnostic.js";
export * from "./suggest.js";
export * from "./order.js";
export * from "./sealed.js";
