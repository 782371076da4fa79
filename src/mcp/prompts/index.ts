import type { PromptDefinition } from "./prompt.js";
import { setupConnectorPrompt } from "./setup-connector.js";

export const PROMPTS: readonly PromptDefinition[] = [setupConnectorPrompt];
