// Guichet's frames on another site: include this script in the page that
// shows a form in an iframe. Each frame says its height as its page
// changes, and the script sizes it, so that the form never scrolls inside
// the page. Only the frames of the site this script comes from are sized.
(function () {
  var origin = new URL(document.currentScript.src).origin;
  window.addEventListener("message", function (event) {
    if (event.origin !== origin || !event.data || event.data.guichet !== "height") return;
    document.querySelectorAll("iframe").forEach(function (frame) {
      if (frame.contentWindow === event.source) frame.style.height = Math.ceil(event.data.height) + "px";
    });
  });
})();
