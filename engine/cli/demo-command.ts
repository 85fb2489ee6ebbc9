import type { Command } from "./command.js";
export const demoCommand: Command = { name: "demo", summary: "x", usage: "", run: async () => 0 };
