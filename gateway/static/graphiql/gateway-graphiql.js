// GraphiQL for the control-plane gateway: served by the gateway with the rest of the page's assets, so the page
// needs no CDN and no inline script (its Content-Security-Policy allows scripts and styles from 'self' only).
//
// Configuration comes from data attributes of #graphiql (gateway/graphiql.py):
//   data-personas  {"member": "<token>", ...}: the embedded demo's development tokens, shown as the Viewer persona
//                  picker; "{}" (no picker, no token) with backend URLs or in production mode, where the user
//                  brings an Authorization header in GraphiQL's Headers tab.
// Queries send the picked persona's token as Authorization; subscriptions (graphql-transport-ws) send it in
// connection_init. A header typed into the Headers tab wins over the picker's, on both.
(function () {
  "use strict";

  var STORAGE_KEY = "gateway-persona";
  var container = document.getElementById("graphiql");
  var personas = JSON.parse(container.getAttribute("data-personas") || "{}");
  var names = Object.keys(personas);

  var WELCOME_DEMO = [
    "# Control-plane gateway on its embedded demo data.",
    "#",
    "# Run with Ctrl-Enter (or the play button); Docs (top left) browses the schema.",
    "# The Viewer persona picker (bottom right) chooses who is asking.",
    "",
    "{",
    "  viewer { persona user { name } projects { name } }",
    "}",
    "",
  ].join("\n");
  var WELCOME_BACKENDS = [
    "# Control-plane gateway.",
    "#",
    "# Add your bearer token in the Headers tab below, e.g.",
    '#   {"Authorization": "Bearer <token>"}',
    "# then run with Ctrl-Enter (or the play button); Docs (top left) browses the schema.",
    "",
    "{",
    "  viewer { persona user { name } }",
    "}",
    "",
  ].join("\n");

  // Shared links carry the document as ?q= and the variables as ?variables= (never headers: a link must not be
  // able to plant credentials; GraphiQL keeps the Headers tab in localStorage).
  var parameters = {};
  new URLSearchParams(window.location.search).forEach(function (value, key) {
    parameters[key] = value;
  });

  function updateURL(changes) {
    Object.assign(parameters, changes);
    var search = new URLSearchParams();
    Object.keys(parameters).forEach(function (key) {
      if (parameters[key]) search.set(key, parameters[key]);
    });
    var text = search.toString();
    history.replaceState(null, "", text ? "?" + text : window.location.pathname);
  }

  var fetchURL = window.location.href.split("#")[0].split("?")[0];
  var subscriptionURL = new URL(fetchURL);
  subscriptionURL.protocol = subscriptionURL.protocol === "https:" ? "wss:" : "ws:";

  var defaultHeaders = {};
  if (names.length) {
    var stored = window.localStorage.getItem(STORAGE_KEY);
    var persona = names.indexOf(stored) >= 0 ? stored : names[0];
    defaultHeaders.Authorization = "Bearer " + personas[persona];
    renderPicker(persona);
  }

  function renderPicker(selected) {
    var box = document.createElement("div");
    box.id = "gateway-persona";
    var label = document.createElement("label");
    label.appendChild(document.createTextNode("Viewer persona "));
    var select = document.createElement("select");
    select.id = "gateway-persona-select";
    names.forEach(function (name) {
      var option = document.createElement("option");
      option.value = name;
      option.textContent = name;
      select.appendChild(option);
    });
    select.value = selected;
    select.addEventListener("change", function () {
      window.localStorage.setItem(STORAGE_KEY, select.value);
      window.location.reload();
    });
    label.appendChild(select);
    box.appendChild(label);
    document.body.appendChild(box);
  }

  // GraphiQL merges the Headers tab over `headers` for queries, and over `wsConnectionParams` for subscriptions.
  var fetcher = GraphiQL.createFetcher({
    url: fetchURL,
    headers: defaultHeaders,
    subscriptionUrl: subscriptionURL.toString(),
    wsConnectionParams: defaultHeaders,
  });

  function GatewayGraphiQL() {
    var query = React.useState(parameters.q || (names.length ? WELCOME_DEMO : WELCOME_BACKENDS));
    var variables = React.useState(parameters.variables);
    var explorer = React.useMemo(function () {
      return GraphiQLPluginExplorer.explorerPlugin();
    }, []);
    return React.createElement(GraphiQL, {
      fetcher: fetcher,
      plugins: [explorer],
      defaultEditorToolsVisibility: true,
      query: query[0],
      variables: variables[0],
      onEditQuery: function (value) {
        query[1](value);
        updateURL({ q: value });
      },
      onEditVariables: function (value) {
        variables[1](value);
        updateURL({ variables: value });
      },
      inputValueDeprecation: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
    });
  }

  ReactDOM.createRoot(container).render(React.createElement(GatewayGraphiQL));
})();
