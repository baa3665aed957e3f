/** The login page: the one page served without a login, self-contained (no script at all). */

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The login form, with an optional message above it (shown as text). */
export function loginPage(message?: string): string {
  const notice = message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sshlog — log in</title>
<style>
  body { font: 15px system-ui, sans-serif; background: #14171c; color: #e6e6e6; display: grid;
    place-items: center; min-height: 100vh; margin: 0; }
  form { background: #1f242c; padding: 2rem; border-radius: 8px; width: 18rem; }
  h1 { font-size: 1.3rem; margin: 0 0 1rem; }
  label { display: block; margin: .8rem 0 .3rem; }
  input { width: 100%; box-sizing: border-box; padding: .5rem; border-radius: 4px;
    border: 1px solid #3a4150; background: #14171c; color: inherit; }
  button { margin-top: 1.2rem; width: 100%; padding: .6rem; border: 0; border-radius: 4px;
    background: #3b82f6; color: white; font-weight: 600; cursor: pointer; }
  .error { color: #f87171; margin: 0 0 .5rem; }
</style>
</head>
<body>
<form method="post" action="/login">
<h1>sshlog</h1>
${notice}
<label for="user">User name</label>
<input id="user" name="user" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Log in</button>
</form>
</body>
</html>
`;
}
