// The search page: Pagefind's interface, started with the words typed in the header's form.
window.addEventListener("DOMContentLoaded", function () {
  var ui = new PagefindUI({ element: "#inc-search", showSubResults: false, showImages: false, autofocus: true });
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) {
    ui.triggerSearch(query);
  }
});
