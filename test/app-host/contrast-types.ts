/** What the contrast measure (contrast.ts, in the card's frame) gives back for each visible text. */
export interface TextContrast {
  /** The text (its first 60 characters). */
  text: string;
  /** Where it is: the element's tag and class, and what kind of text (text, value or placeholder). */
  where: string;
  ratio: number;
  color: string;
  background: string;
}
