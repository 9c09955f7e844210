import { z } from 'zod';

// FastAPI-like wording for the most common case, a field that was not sent.
z.config({
  customError: (issue) => {
    if (issue.code === 'invalid_type' && issue.input === undefined) return 'Field required';
    return undefined;
  },
});
