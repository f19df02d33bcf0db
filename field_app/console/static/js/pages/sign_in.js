// Sign-in: username and password to POST /auth/sign-in; the tokens go to sessionStorage.
import { ApiFailure, LANGUAGE_HEADER, STAFF_ROLES, announce, config, getSession, saveSession, showError, t } from "../core.js";

const form = document.getElementById("sign-in-form");
const params = new URLSearchParams(location.search);

/** Only a path inside the console: never an open redirect to another site. */
function nextPage() {
  const next = params.get("next") || "";
  return next.startsWith("/console/") && !next.startsWith("//") ? next : config.pages.alerts;
}

async function revoke(accessToken) {
  await fetch(`${config.api}/auth/sign-out`, { method: "POST", headers: { Authorization: `Bearer ${accessToken}`, ...LANGUAGE_HEADER } });
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const username = form.username.value.trim();
  const password = form.password.value;
  if (!username || !password) {
    showError(t("sign_in.missing"));
    (username ? form.password : form.username).focus();
    return;
  }
  const button = document.getElementById("sign-in-submit");
  button.disabled = true;
  try {
    const response = await fetch(`${config.api}/auth/sign-in`, {
      method: "POST", headers: { "Content-Type": "application/json", ...LANGUAGE_HEADER },
      body: JSON.stringify({ username, password }),
    });
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new ApiFailure(response.status, body);
    if (!STAFF_ROLES.includes(body.user.role)) {
      await revoke(body.access_token);  // caregivers and families use their own apps
      showError(t("sign_in.wrong_role"));
      return;
    }
    saveSession(body);
    announce(t("sign_in.done"));
    location.assign(nextPage());
  } catch (error) {
    // A caregiver is refused by the API for want of a phone: here that means "not this console".
    showError(error instanceof ApiFailure && error.code === "device_required" ? t("sign_in.wrong_role") : error);
    form.password.select();
  } finally {
    button.disabled = false;
  }
});

if (params.get("signed_out")) announce(t("sign_in.signed_out"));
else if (getSession()) announce(t("sign_in.already", { username: getSession().user.username }));
