/** The cards' weight: each built card's HTML (what a host reads for every card it shows) beside its goal (bench/card-sizes.mjs). */
import { measureCardSizes } from "../card-sizes.mjs";
import { root } from "../shared.mjs";

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

export default {
  name: "cards",
  async run({ row }) {
    for (const { card, bytes, goalBytes, met } of measureCardSizes(root)) row(`Card size: ${card}`, kb(bytes), "—", `≤ ${kb(goalBytes)}`, met);
  },
};
