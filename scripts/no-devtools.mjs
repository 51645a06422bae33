// Stands in for react-devtools-core in the CLI bundle: Ink reaches for it only under DEV=true.
export default {
  initialize() {},
  connectToDevTools() {},
};
