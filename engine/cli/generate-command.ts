import type { Command } from "./command.js";
export const generateCommand: Command = { name: "generate", summary: "x", usage: "", run: async () => 0 };
