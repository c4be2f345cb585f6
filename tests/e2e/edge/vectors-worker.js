// A worker that runs the vectors it is sent through waybill-edge inside workerd and answers
// with what each case produced; workerd-vectors.test.mjs compares.
import * as api from 'waybill-edge';
import { runCase } from './vector-runner.mjs';

export default {
  async fetch(request) {
    const { cases } = await request.json();
    const results = cases.map((testCase) => {
      try {
        return { name: testCase.name, ...runCase(api, testCase) };
      } catch (error) {
        return { name: testCase.name, actual: { thrown: String(error) }, expected: testCase.expect };
      }
    });
    return Response.json(results);
  },
};
