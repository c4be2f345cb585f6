// The baseline for cold start: a worker that does nothing.
export default {
  async fetch(request) {
    await request.text();
    return new Response('{}');
  },
};
