// First request after start-up: build a Receiver (contracts compile here) and receive one
// delivery sent in the request.
import { Receiver } from 'waybill-edge';

export default {
  async fetch(request) {
    const { body, headers, secret } = await request.json();
    new Receiver({ verify_keys: [secret] }).receive(body, headers);
    return new Response('{}');
  },
};
