// The presence decision of a visit end (在场判定) and its parts, in words, for the replay and alert pages.
import { clear, el, t, tOr } from "./core.js";

const PARTS = ["face", "fence", "liveness", "tag", "confirmation", "client_face", "trail"];

function partValue(parts, name) {
  const value = parts[name];
  if (value === null || value === undefined) return t("presence.not_asked");
  const word = tOr(`presence.value.${value}`, value);
  const required = parts[`${name}_required`] ? ` (${t("presence.required")})` : "";
  return word + required;
}

/** A chip with the decision, for tables. */
export function presenceChip(presence) {
  if (!presence) return el("span", { class: "chip", text: t("presence.none") });
  return el("span", {
    class: `chip chip-presence-${presence.decision}`,
    text: tOr(`presence.decision.${presence.decision}`, presence.decision),
    title: tOr(`presence.reason.${presence.reason}`, presence.reason),
  });
}

/** The decision, the policy line that made it, and each part, as a definition list. */
export function renderPresence(list, presence) {
  clear(list);
  const add = (term, value) => list.append(el("dt", { text: term }), el("dd", {}, value));
  if (!presence) {
    add(t("presence.decision"), t("presence.none"));
    return;
  }
  add(t("presence.decision"), presenceChip(presence));
  add(t("presence.reason"), tOr(`presence.reason.${presence.reason}`, presence.reason));
  for (const name of PARTS) add(t(`presence.part.${name}`), partValue(presence.parts, name));
}
