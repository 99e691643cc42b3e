import '../local/promise-with-resolvers';

process.env.CDK_DISABLE_VERSION_CHECK = '1';
