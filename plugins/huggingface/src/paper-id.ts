import { HubHttpError } from "./hub.js";

/** An arXiv paper id: `id` without its version (what the Hub keys papers by), and the version when given. */
export interface PaperId {
  id: string;
  version?: string;
  /** The id with its version when one was given (what arXiv's pages take). */
  full: string;
}

/** New-style ids (0704.0001 on): YYMM.NNNN until 2014, YYMM.NNNNN since 2015. */
const NEW_STYLE = /^(\d{2}(?:0[1-9]|1[0-2])\.\d{4,5})(v\d+)?$/;
/** Old-style ids (before April 2007): archive[.SUBJECT]/YYMMNNN, e.g. cs/0112017, math.GT/0309136. */
const OLD_STYLE = /^([a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?\/\d{2}(?:0[1-9]|1[0-2])\d{3})(v\d+)?$/;
/** Pages that name a paper in their path: arXiv's abs/pdf/html (and ar5iv), and Hugging Face paper pages. */
const PAGE_URL =
  /^https?:\/\/(?:www\.|export\.)?(?:arxiv\.org\/(?:abs|pdf|html)|ar5iv(?:\.labs\.arxiv)?\.org\/(?:abs|html)|(?:huggingface|hf)\.co\/papers)\/(.+?)(?:\.pdf|\.md)?\/?(?:[?#].*)?$/i;

/**
 * Reads a paper id as people write it: `2401.12345`, `2401.12345v2`, `arXiv:2401.12345`,
 * `https://arxiv.org/abs/2401.12345`, `https://huggingface.co/papers/2401.12345`, `cs/0112017`.
 * Anything else is a 400 that says which forms are expected.
 */
export function parsePaperId(input: string): PaperId {
  let text = input.trim();
  const page = PAGE_URL.exec(text);
  if (page) text = page[1] ?? "";
  text = text.replace(/^arxiv:\s*/i, "");
  const match = NEW_STYLE.exec(text) ?? OLD_STYLE.exec(text);
  if (!match) {
    throw new HubHttpError(
      400,
      `"${input}" is not an arXiv paper id: write it as 2401.12345 (a version like 2401.12345v2 is fine), arXiv:2401.12345, https://arxiv.org/abs/2401.12345, https://huggingface.co/papers/2401.12345, or an old-style id like cs/0112017.`,
    );
  }
  const id = match[1] ?? text;
  const version = match[2];
  return { id, ...(version ? { version } : {}), full: `${id}${version ?? ""}` };
}
